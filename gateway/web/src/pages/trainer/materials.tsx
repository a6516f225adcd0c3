// Material upload: straight to object storage through a presigned POST policy, with progress and clear errors.
import { useState } from "preact/hooks";
import { ApiError, gql } from "../../api";
import { graphql } from "../../gql";
import type { ConfirmMutation } from "../../gql/graphql";
import { useI18n, type MessageKey, type Translate } from "../../i18n";
import { ProgressBar } from "../../components/ui";
import { formatSize } from "../learner/player";

export type UploadedMaterial = ConfirmMutation["confirmMaterialUpload"];

/**
 * What the courses service accepts (services/courses/src/courses/domain/materials.py, ALLOWED_TYPES):
 * the type, the extensions that may carry it and a short name for messages. The picker offers exactly
 * these, and a file outside them is refused here, in the page language, before anything is sent;
 * tests/browser/test_material_upload_ui.py checks this list against the service's.
 */
export const UPLOAD_TYPES: ReadonlyArray<{ kind: "VIDEO" | "DOCUMENT"; type: string; extensions: string[]; name: string }> = [
  { kind: "DOCUMENT", type: "application/pdf", extensions: [".pdf"], name: "PDF" },
  { kind: "VIDEO", type: "video/mp4", extensions: [".mp4", ".m4v"], name: "MP4" },
  { kind: "VIDEO", type: "video/webm", extensions: [".webm"], name: "WebM" },
  { kind: "DOCUMENT", type: "image/png", extensions: [".png"], name: "PNG" },
  { kind: "DOCUMENT", type: "image/jpeg", extensions: [".jpg", ".jpeg"], name: "JPEG" },
  { kind: "DOCUMENT", type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", extensions: [".docx"], name: "DOCX" },
  { kind: "DOCUMENT", type: "application/vnd.openxmlformats-officedocument.presentationml.presentation", extensions: [".pptx"], name: "PPTX" },
  { kind: "DOCUMENT", type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", extensions: [".xlsx"], name: "XLSX" },
];

function typesOf(kind: "VIDEO" | "DOCUMENT") {
  return UPLOAD_TYPES.filter((t) => t.kind === kind);
}

/** The declared type for a file, from its extension (what the service checks it against), or null. */
function declaredType(kind: "VIDEO" | "DOCUMENT", filename: string) {
  const lower = filename.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
  return typesOf(kind).find((t) => t.extensions.some((ext) => lower.endsWith(ext))) ?? null;
}

/** Upload a file straight to object storage through a presigned POST policy, showing progress. */
export function MaterialUploader(props: { courseId: string; kind: "VIDEO" | "DOCUMENT"; onUploaded: (m: UploadedMaterial | null) => void }) {
  const { t } = useI18n();
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<UploadedMaterial | null>(null);
  const [dragging, setDragging] = useState(false);
  const formats = typesOf(props.kind)
    .map((x) => x.name)
    .join(", ");

  async function upload(file: File) {
    setError(null);
    setDone(null);
    props.onUploaded(null);
    const declared = declaredType(props.kind, file.name);
    if (!declared) {
      setError(t("upload.wrongType", { name: file.name, formats }));
      return;
    }
    if (file.size === 0) {
      setError(t("upload.empty"));
      return;
    }
    let stage: "request" | "send" | "confirm" = "request";
    try {
      setProgress(0);
      const { requestMaterialUpload: ticket } = await gql(
        graphql(`mutation Request($c: ID!, $f: String!, $t: String!, $s: Int!) {
          requestMaterialUpload(courseId: $c, filename: $f, contentType: $t, size: $s) {
            uploadUrl uploadMethod uploadFields { name value } material { id }
          }
        }`),
        { c: props.courseId, f: file.name, t: declared.type, s: file.size },
      );
      stage = "send";
      await postWithProgress(ticket.uploadUrl, ticket.uploadFields, file, setProgress);
      stage = "confirm";
      const { confirmMaterialUpload: material } = await gql(
        graphql(`mutation Confirm($m: ID!) { confirmMaterialUpload(materialId: $m) { id filename size status } }`),
        { m: ticket.material.id },
      );
      if (material.status === "REJECTED") {
        setError(t("upload.rejected"));
        setProgress(null);
        return;
      }
      setDone(material);
      props.onUploaded(material);
    } catch (err) {
      setProgress(null);
      setError(uploadErrorText(t, err, stage, formats));
    }
  }

  const inputId = `material-${props.kind.toLowerCase()}`;
  return (
    <div class="uploader">
      <label
        for={inputId}
        class={`drop-zone ${dragging ? "dragging" : ""}`}
        onDragEnter={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragOver={(e) => {
          e.preventDefault();
          if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          const file = e.dataTransfer?.files?.[0];
          if (file) void upload(file);
        }}
      >
        <svg viewBox="0 0 24 24" width="32" height="32" aria-hidden="true">
          <path d="M12 16V4m0 0-4 4m4-4 4 4M4 16v3a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-3" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" />
        </svg>
        <span class="drop-zone-title">{props.kind === "VIDEO" ? t("upload.video") : t("upload.document")}</span>
        <span class="drop-zone-hint" aria-hidden="true">
          {t("upload.dropHint")}
        </span>
        <span class="drop-zone-formats">{t("upload.formats", { formats })}</span>
        <input
          id={inputId}
          class="drop-zone-input"
          type="file"
          accept={typesOf(props.kind)
            .flatMap((x) => [...x.extensions, x.type])
            .join(",")}
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            if (file) void upload(file);
            e.currentTarget.value = "";
          }}
        />
      </label>
      {progress !== null && !error ? <ProgressBar value={progress} label={t("upload.progress")} /> : null}
      {error ? (
        <div class="alert alert-error" role="alert">
          {error}
        </div>
      ) : null}
      {done ? (
        <p class="alert alert-success" role="status">
          {t("upload.done", { name: done.filename, size: formatSize(done.size) })}
        </p>
      ) : null}
    </div>
  );
}

/**
 * Every failure in the page language: the service's own messages are English and name MIME types, so
 * they are never shown here; the code and the step say what went wrong.
 */
function uploadErrorText(t: Translate, err: unknown, stage: "request" | "send" | "confirm", formats: string): string {
  if (err instanceof ApiError) {
    if (err.code === "BAD_USER_INPUT" && stage === "request") return t("upload.refused", { formats });
    if ((err.code === "BAD_USER_INPUT" || err.code === "CONFLICT") && stage === "confirm") return t("upload.rejected");
    return t(`error.${err.code}` as MessageKey);
  }
  return t("upload.failed");
}

/** A multipart POST of the policy's fields, in order, then the file as the last part (S3 reads it last). */
function postWithProgress(
  url: string,
  fields: ReadonlyArray<{ name: string; value: string }>,
  file: File,
  onProgress: (pct: number) => void,
): Promise<void> {
  const form = new FormData();
  for (const f of fields) form.append(f.name, f.value);
  form.append("file", file);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress((100 * e.loaded) / e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(100);
        resolve();
      } else {
        reject(new Error(`${xhr.status} ${xhr.statusText}`.trim()));
      }
    };
    xhr.onerror = () => reject(new Error("network"));
    xhr.send(form);
  });
}
