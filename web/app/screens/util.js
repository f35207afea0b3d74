// Small helpers the screens share (no domain rule here: those are the core's).

// A UUIDv7 (RFC 9562): 48 bits of milliseconds, then random bits, as every id the devices make
// (time-ordered, so the server's indexes stay sequential).
export function newId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  let ms = Date.now();
  for (let i = 5; i >= 0; i--) { b[i] = ms % 256; ms = Math.floor(ms / 256); }
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export async function readFile(file) {
  return new Uint8Array(await file.arrayBuffer());
}

// Saves a Blob on the phone under `name` (the browser's download).
export function downloadBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name || 'passerelle-file';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// Shows `msg` in the form's error box (hidden when empty) and moves focus there, so a screen
// reader says it; what the person typed stays in the form.
export function showFormError(form, msg) {
  const box = form.querySelector('.form-error');
  box.textContent = msg; box.hidden = !msg;
  if (msg) box.focus();
}
