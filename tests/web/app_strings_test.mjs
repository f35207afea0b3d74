// Both languages of every phone-app screen are complete (issue 19: "French is not optional"):
// each screen module's `strings` has the same keys in English and in French, no empty text, and
// the same {placeholders} in both (a French text missing {when} would show a sentence without
// its time). No browser: the modules build their elements only inside render().
//   node tests/web/app_strings_test.mjs [web/app/screens]
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.resolve(process.argv[2] || path.join(here, '../../web/app/screens'));
// A value is a text, or for a count {one, other} (web/app/i18n.js): its forms, each a text.
const forms = (v) => (v && typeof v === 'object' ? Object.values(v) : [v]);
const placeholders = (v) => [...new Set(forms(v).flatMap((text) => [...String(text).matchAll(/\{(\w+)\}/g)].map((m) => m[1])))].sort().join(',');

let passed = 0, failed = 0, screens = 0;
const check = (name, ok, detail = '') => {
  if (ok) passed++; else failed++;
  console.log(`${ok ? '[ OK ]' : '[FAIL]'} ${name}${ok ? '' : ' ' + detail}`);
};

for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.js')).sort()) {
  let mod;
  try { mod = await import(pathToFileURL(path.join(dir, file)).href); } catch (e) {
    check(`${file} loads outside a browser`, false, e.message);
    continue;
  }
  if (!mod.strings) continue;
  screens++;
  const { en = {}, fr = {} } = mod.strings;
  const onlyEn = Object.keys(en).filter((k) => !(k in fr));
  const onlyFr = Object.keys(fr).filter((k) => !(k in en));
  check(`${file}: every English text has its French`, onlyEn.length === 0, onlyEn.join(', '));
  check(`${file}: every French text has its English`, onlyFr.length === 0, onlyFr.join(', '));
  const empty = [...Object.entries(en), ...Object.entries(fr)]
    .filter(([, v]) => forms(v).length === 0 || forms(v).some((text) => typeof text !== 'string' || !text.trim())).map(([k]) => k);
  check(`${file}: no empty text`, empty.length === 0, empty.join(', '));
  const mismatched = Object.keys(en).filter((k) => k in fr && placeholders(en[k]) !== placeholders(fr[k]))
    .map((k) => `${k} (${placeholders(en[k])} / ${placeholders(fr[k])})`);
  check(`${file}: the same {placeholders} in both languages`, mismatched.length === 0, mismatched.join('; '));
}
check('at least one screen with strings was found', screens > 0, dir);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
