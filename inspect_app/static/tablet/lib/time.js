// The device's time as ISO 8601 with its own offset ("2026-12-02T14:05:00.123+08:00"): what every
// queued write carries as device_at, so the record keeps when the inspector did it.

const pad = (n, width = 2) => String(Math.abs(n)).padStart(width, "0");

export function isoWithOffset(date) {
  const offset = -date.getTimezoneOffset(); // minutes east of UTC
  const sign = offset >= 0 ? "+" : "-";
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `.${pad(date.getMilliseconds(), 3)}${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`
  );
}
