// Building blocks of the trainer's pages: texts in several languages side by side, pickers, reordering.
import { LANGUAGES, useI18n, type Lang } from "../../i18n";
import { TOPICS, canonicalTopic, topicLabel } from "../../topics";
import type { EditorCourse } from "./editor";

export const ALL_LANGS = LANGUAGES.map((l) => l.code);
export const STATUS_TONE = { DRAFT: "warn", PUBLISHED: "ok", ARCHIVED: "neutral" } as const;

export type Texts = Partial<Record<Lang, string>>;

export function langName(code: string): string {
  return LANGUAGES.find((l) => l.code === code)?.name ?? code;
}

export function toInput(texts: Texts, languages: Lang[]) {
  return languages.map((lang) => ({ lang, text: (texts[lang] ?? "").trim() })).filter((x) => x.text);
}

/** One text in several languages, one column per language, so translators see them side by side. */
export function SideBySide(props: {
  id: string;
  label: string;
  languages: Lang[];
  values: Texts;
  onChange: (values: Texts) => void;
  multiline?: boolean;
  required?: Lang;
}) {
  return (
    <div class="side-by-side" style={{ "--columns": String(Math.max(1, props.languages.length)) }}>
      {props.languages.map((lang) => {
        const id = `${props.id}-${lang}`;
        const common = {
          id,
          lang,
          value: props.values[lang] ?? "",
          required: props.required === lang,
          onInput: (e: Event) => props.onChange({ ...props.values, [lang]: (e.currentTarget as HTMLInputElement).value }),
        };
        return (
          <div class="field" key={lang}>
            <label for={id}>
              {props.label} · <span class="lang-name">{langName(lang)}</span>
            </label>
            {props.multiline ? <textarea rows={5} {...common} /> : <input type="text" {...common} />}
          </div>
        );
      })}
    </div>
  );
}

export function LanguagePicker(props: { languages: Lang[]; onChange: (l: Lang[]) => void; locked?: Lang }) {
  const { t } = useI18n();
  return (
    <fieldset class="field language-picker">
      <legend>{t("editor.languages")}</legend>
      {LANGUAGES.map((l) => (
        <label key={l.code} class="option option-inline">
          <input
            type="checkbox"
            checked={props.languages.includes(l.code)}
            disabled={l.code === props.locked}
            onChange={(e) =>
              props.onChange(
                e.currentTarget.checked
                  ? LANGUAGES.map((x) => x.code).filter((c) => c === l.code || props.languages.includes(c))
                  : props.languages.filter((c) => c !== l.code),
              )
            }
          />
          <span>{l.name}</span>
        </label>
      ))}
    </fieldset>
  );
}

export function TopicPicker(props: { topics: string[]; onChange: (t: string[]) => void }) {
  const { t } = useI18n();
  return (
    <fieldset class="field">
      <legend>{t("editor.topics")}</legend>
      {TOPICS.map((k) => (
        <label key={k} class="option option-inline">
          <input
            type="checkbox"
            checked={props.topics.some((x) => canonicalTopic(x) === k)}
            onChange={(e) => {
              // An older tag (see src/topics.ts) counts as its topic, and is replaced by it on save.
              const others = props.topics.filter((x) => canonicalTopic(x) !== k);
              props.onChange(e.currentTarget.checked ? [...others, k] : others);
            }}
          />
          <span>{topicLabel(t, k)}</span>
        </label>
      ))}
    </fieldset>
  );
}

export function courseLangs(course: EditorCourse): Lang[] {
  const langs = ALL_LANGS.filter((l) => course.languages.includes(l));
  return langs.length ? langs : [course.defaultLanguage as Lang];
}

export function MoveButtons(props: { label: string; first: boolean; last: boolean; onMove: (delta: -1 | 1) => void }) {
  const { t } = useI18n();
  return (
    <span class="move-buttons">
      <button type="button" class="icon-button" disabled={props.first} onClick={() => props.onMove(-1)} aria-label={t("editor.moveUp", { name: props.label })}>
        ↑
      </button>
      <button type="button" class="icon-button" disabled={props.last} onClick={() => props.onMove(1)} aria-label={t("editor.moveDown", { name: props.label })}>
        ↓
      </button>
    </span>
  );
}

export function moveItem<T>(items: T[], index: number, delta: number): T[] {
  const target = index + delta;
  if (target < 0 || target >= items.length) return items;
  const copy = [...items];
  [copy[index], copy[target]] = [copy[target], copy[index]];
  return copy;
}
