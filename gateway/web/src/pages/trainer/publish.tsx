// The publish dialog: what learners will see once the course is published.
import { useState } from "preact/hooks";
import { gql } from "../../api";
import { graphql } from "../../gql";
import { useI18n } from "../../i18n";
import { Dialog, ErrorMessage } from "../../components/ui";
import type { EditorCourse } from "./editor";
import { langName } from "./shared";

export function PublishDialog(props: { course: EditorCourse; lessonCount: number; onClose: () => void; onPublished: () => void }) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const next = props.course.version + 1;
  async function publish() {
    setBusy(true);
    setError(null);
    try {
      await gql(graphql(`mutation Publish($id: ID!) { publishCourse(id: $id) { id status version } }`), { id: props.course.id });
      props.onPublished();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }
  return (
    <Dialog title={t("publish.title", { version: next })} onClose={props.onClose}>
      <p>
        {t("publish.what", {
          version: next,
          modules: t("publish.modules", { count: props.course.modules.length }),
          lessons: t("publish.lessons", { count: props.lessonCount }),
        })}
      </p>
      <p>{t("publish.languages", { languages: props.course.languages.map(langName).join(", ") })}</p>
      {props.course.incompleteLanguages.length ? (
        <p class="alert alert-warn" role="alert" data-testid="incomplete-languages">
          {t("publish.incomplete", { languages: props.course.incompleteLanguages.map(langName).join(", ") })}
        </p>
      ) : null}
      {props.course.version > 0 ? <p>{t("publish.existing", { version: props.course.version })}</p> : null}
      <p class="muted">{t("publish.immutable")}</p>
      <ErrorMessage error={error} />
      <div class="form-actions">
        <button type="button" class="button" onClick={publish} disabled={busy}>
          {busy ? t("common.working") : t("publish.confirm", { version: next })}
        </button>
        <button type="button" class="button button-secondary" onClick={props.onClose}>
          {t("common.cancel")}
        </button>
      </div>
    </Dialog>
  );
}
