// The event page's programme (issue 15): a course's LIVE sessions grouped by day, each day's heading in the
// viewer's language and the session's own zone, the sessions of the day in order with their time range,
// venue and join link (the server gives the link only to admitted learners, trainers and admins).
import { useI18n, type Lang } from "../../i18n";
import { viewerZone } from "./live";

export interface ProgrammeSession {
  id: string;
  title: string;
  live: { startsAt: string; endsAt: string; timezone: string; venue?: string | null; onlineUrl?: string | null };
}

interface Day {
  key: string;
  zone: string;
  heading: string;
  sessions: ProgrammeSession[];
}

/** Sessions grouped by their calendar day in the session's zone, days and sessions in time order. */
export function programmeDays(lang: Lang, sessions: ProgrammeSession[]): Day[] {
  const sorted = [...sessions].sort((a, b) => Date.parse(a.live.startsAt) - Date.parse(b.live.startsAt));
  const days: Day[] = [];
  for (const s of sorted) {
    const zone = s.live.timezone;
    const starts = new Date(s.live.startsAt);
    // en-CA writes YYYY-MM-DD: a stable key for "the same day in this zone".
    const key = `${new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(starts)} ${zone}`;
    let day = days.find((d) => d.key === key);
    if (!day) {
      const heading = new Intl.DateTimeFormat(lang, { timeZone: zone, weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(starts);
      day = { key, zone, heading, sessions: [] };
      days.push(day);
    }
    day.sessions.push(s);
  }
  return days;
}

export function Programme({ sessions }: { sessions: ProgrammeSession[] }) {
  const { t, lang } = useI18n();
  if (!sessions.length) return null;
  const days = programmeDays(lang, sessions);
  const mine = viewerZone();
  return (
    <section class="programme" aria-labelledby="programme-title" data-testid="programme">
      <h2 id="programme-title">{t("programme.title")}</h2>
      {days.map((day) => {
        const time = new Intl.DateTimeFormat(lang, { timeZone: day.zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
        return (
          <div key={day.key} class="programme-day panel" data-testid="programme-day">
            <h3>
              {day.heading} {day.zone !== mine ? <span class="muted">({day.zone})</span> : null}
            </h3>
            <ol class="programme-sessions">
              {day.sessions.map((s) => (
                <li key={s.id} data-testid="programme-session">
                  <time dateTime={s.live.startsAt} class="programme-time">
                    {time.format(new Date(s.live.startsAt))}–{time.format(new Date(s.live.endsAt))}
                  </time>{" "}
                  <strong>{s.title}</strong>
                  {s.live.venue ? (
                    <span class="programme-venue">
                      {" "}
                      · {t("programme.venue", { venue: s.live.venue })}
                    </span>
                  ) : null}
                  {s.live.onlineUrl ? (
                    <>
                      {" "}
                      ·{" "}
                      <a href={s.live.onlineUrl} target="_blank" rel="noopener noreferrer">
                        {t("programme.join")}
                      </a>
                    </>
                  ) : null}
                </li>
              ))}
            </ol>
          </div>
        );
      })}
    </section>
  );
}
