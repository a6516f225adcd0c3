// A live session's time as learners read it: in the session's own zone, and in theirs when it differs.
import { useI18n, type Lang } from "../../i18n";

export interface SessionTimes {
  startsAt: string;
  endsAt: string;
  timezone: string;
  venue?: string | null;
}

function range(lang: Lang, zone: string, starts: Date, ends: Date): string {
  const day = new Intl.DateTimeFormat(lang, { timeZone: zone, weekday: "short", day: "numeric", month: "long", year: "numeric" });
  const time = new Intl.DateTimeFormat(lang, { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const sameDay = day.format(starts) === day.format(ends);
  return sameDay
    ? `${day.format(starts)}, ${time.format(starts)}–${time.format(ends)}`
    : `${day.format(starts)} ${time.format(starts)} – ${day.format(ends)} ${time.format(ends)}`;
}

export function viewerZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** "Thu, 14 May 2026, 09:00–12:00 (Asia/Baku)", then the viewer's own time if their zone differs. */
export function SessionWhen({ live }: { live: SessionTimes }) {
  const { t, lang } = useI18n();
  const starts = new Date(live.startsAt);
  const ends = new Date(live.endsAt);
  const mine = viewerZone();
  const sessionText = range(lang, live.timezone, starts, ends);
  const mineText = range(lang, mine, starts, ends);
  return (
    <span class="session-when" data-testid="session-when">
      <time dateTime={live.startsAt} data-testid="session-time">
        {t("live.when", { when: sessionText, zone: live.timezone })}
      </time>
      {mineText !== sessionText ? <span class="muted"> · {t("live.yourTime", { when: mineText, zone: mine })}</span> : null}
      {live.venue ? <span class="muted"> · {live.venue}</span> : null}
    </span>
  );
}
