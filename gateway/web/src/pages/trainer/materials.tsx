// Material upload: straight to object storage through a presigned POST policy, with progress and clear errors.
import { useState } from "preact/hooks";
import { ApiError, gql } from "../../api";
import { graphql } from "../../gql";
import type { ConfirmMutation } from "../../gql/graphql";
import { useI18n } from "../../i18n";
import { ProgressBar, errorText } from "../../components/ui";
import { formatSize } from "../learner/player";

export type UploadedMaterial = ConfirmMutation["confirmMaterialUpload"];

// What the courses service accepts (services/courses/src/courses/domain/materials.py): the extension
// must fit the declared type, so this list only helps the file picker; the service decides.
const ACCEPT = {
  VIDEO: ".mp4,.m4v,.webm,video/mp4,video/webm",
  DOCUMENT: ".pdf,.docx,.pptx,.xlsx,.png,.jpg,.jpeg,application/pdf",
} as const;

/** Upload a file straight to object storage through a presigned POST policy, showing progress. */
export function MaterialUploader(props: { courseId: string; kind: "VIDEO" | "DOCUMENT"; onUploaded: (m: UploadedMaterial | null) => void }) {
  const { t } = useI18n();
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<UploadedMaterial | null>(null);

  async function upload(file: File) {
    setError(null);
    setDone(null);
    props.onUploaded(null);
    if (file.size === 0) {
      setError(t("upload.empty"));
      return;
    }
    const contentType = file.type || "application/octet-stream";
    try {
      setProgress(0);
      const { requestMaterialUpload: ticket } = await gql(
        graphql(`mutation Request($c: ID!, $f: String!, $t: String!, $s: Int!) {
          requestMaterialUpload(courseId: $c, filename: $f, contentType: $t, size: $s) {
            uploadUrl uploadMethod uploadFields { name value } material { id }
          }
        }`),
        { c: props.courseId, f: file.name, t: contentType, s: file.size },
      );
      await postWithProgress(ticket.uploadUrl, ticket.uploadFields, file, setProgress);
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
      if (err instanceof ApiError) {
        setError(errorText(t, err));
      } else {
        setError(err instanceof Error && err.message ? err.message : t("upload.failed"));
      }
    }
  }

  const inputId = `material-${props.kind.toLowerCase()}`;
  return (
    <div class="uploader">
      <div class="field">
        <label for={inputId}>{props.kind === "VIDEO" ? t("upload.video") : t("upload.document")}</label>
        <input
          id={inputId}
          type="file"
          accept={ACCEPT[props.kind]}
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            if (file) void upload(file);
          }}
        />
      </div>
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
