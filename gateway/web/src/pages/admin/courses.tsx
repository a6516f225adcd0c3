// The course picker shared by the admin's pages.
import { graphql } from "../../gql";
import { useI18n } from "../../i18n";
import { ErrorMessage, useQuery } from "../../components/ui";

function useCourses(status: "PUBLISHED" | null) {
  const { lang } = useI18n();
  return useQuery(
    graphql(`query Courses($ui: String, $status: CourseStatus) { courses(status: $status, first: 100) { nodes { id title(lang: $ui) } } }`),
    { ui: lang, status },
    [lang, status],
  );
}

export function CourseSelect(props: { id: string; value: string; onChange: (id: string) => void; allowAll?: boolean; status?: "PUBLISHED" | null }) {
  const { t } = useI18n();
  const { data, error } = useCourses(props.status === undefined ? "PUBLISHED" : props.status);
  return (
    <div class="field grow">
      <label for={props.id}>{t("admin.course")}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        <option value="">{props.allowAll ? t("admin.allCourses") : t("admin.chooseCourse")}</option>
        {data?.courses.nodes.map((c) => (
          <option key={c.id} value={c.id}>
            {c.title}
          </option>
        ))}
      </select>
      <ErrorMessage error={error} />
    </div>
  );
}
