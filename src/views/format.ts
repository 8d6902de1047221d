/** A moment in UTC as pages show it: "2026-11-23 08:51 UTC" (with seconds when asked; bare for tables headed "UTC"). */
export function formatUtc(date: Date, options: { seconds?: boolean; suffix?: boolean } = {}): string {
  const text = date
    .toISOString()
    .replace('T', ' ')
    .slice(0, options.seconds ? 19 : 16);
  return options.suffix === false ? text : `${text} UTC`;
}

/** The UTC day of a moment: "2026-11-23". */
export const formatDay = (date: Date): string => date.toISOString().slice(0, 10);
