// Local times shown with the core's time-zone data (docs/app.md, "Times and time zones").
//
// A browser formats a time in a zone with its own copy of the IANA data, which can be older or
// newer than the core's: Debian's Chromium 156 puts Africa/Casablanca at +00 in December 2026
// where the core, the server's e-mails and the CLI say +01. The app must show the hour the core's
// rules mean (a slot, a meeting), so the wall clock comes from the core's offsets
// (db.zoneSpans) and Intl only spells it, in UTC. Until a zone's offsets have arrived (they are
// asked for the first time the zone is shown) the browser's data is used, and the screen is
// drawn again once they are here.

const kReachDays = 730; // offsets asked for two years either side of now: every meeting and slot
const loaded = new Map(); // zone -> [{begin, end, offset}] (ms, ms, minutes)
const asked = new Set();
let source = null; // {db, onLoaded}

// Where offsets come from, and what to do when a zone's have arrived (draw the screen again).
export function useCoreZones(db, onLoaded) {
  source = { db, onLoaded };
}

// Fetches a zone's offsets once; resolves when they are known (or the core could not say).
export async function loadZone(zone) {
  if (!zone || loaded.has(zone) || !source) return;
  const now = Date.now();
  const day = 86400000;
  try {
    const spans = await source.db.zoneSpans(zone, new Date(now - kReachDays * day).toISOString(),
      new Date(now + kReachDays * day).toISOString());
    loaded.set(zone, spans.map((s) => ({ begin: Date.parse(s.begin), end: Date.parse(s.end), offset: s.offset_min })));
  } catch (e) {
    loaded.set(zone, []); // an unknown zone: the browser's data (or the device's zone) it is
  }
}

function offsetAt(zone, ms) {
  const spans = loaded.get(zone);
  if (!spans) {
    if (source && zone && !asked.has(zone)) {
      asked.add(zone);
      loadZone(zone).then(() => { if (loaded.get(zone).length) source.onLoaded(zone); });
    }
    return null;
  }
  for (const s of spans) if (ms >= s.begin && ms < s.end) return s.offset;
  return null;
}

// Intl.DateTimeFormat's format and formatToParts for `zone`, the hour taken from the core.
export function zoneFormatter(locale, zone, options = {}) {
  let viaBrowser;
  try { viaBrowser = new Intl.DateTimeFormat(locale, { ...options, timeZone: zone || undefined }); }
  catch (e) { viaBrowser = new Intl.DateTimeFormat(locale, options); } // an unknown zone: the device's
  const { timeZoneName, ...wallOptions } = options;
  const inUtc = new Intl.DateTimeFormat(locale, { ...wallOptions, timeZone: 'UTC' });
  const pick = (date) => {
    const ms = +date;
    const offset = timeZoneName ? null : offsetAt(zone, ms);
    return offset === null ? [viaBrowser, date] : [inUtc, new Date(ms + offset * 60000)];
  };
  return {
    format(date) { const [f, d] = pick(date); return f.format(d); },
    formatToParts(date) { const [f, d] = pick(date); return f.formatToParts(d); },
  };
}
