/**
 * TextEncoder and TextDecoder (UTF-8 only) as globals on the device, as on Node and in browsers: channel messages
 * are bytes, and code written for Node turns strings into bytes this way. XS 13.3 has neither.
 *
 * Written in JavaScript rather than as a C copy of XS's string storage because XS keeps strings in CESU-8
 * (characters outside the BMP as two encoded surrogates), which is not the UTF-8 these APIs promise.
 * Malformed input decodes to U+FFFD, as `new TextDecoder()` does by default.
 */

class Utf8Encoder {
  get encoding() {
    return "utf-8";
  }

  encode(input = ""): Uint8Array {
    const text = String(input);
    const out = new Uint8Array(text.length * 3);
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
        const low = text.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
          i++;
        }
      }
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // a lone surrogate
      if (c < 0x80) out[n++] = c;
      else if (c < 0x800) {
        out[n++] = 0xc0 | (c >> 6);
        out[n++] = 0x80 | (c & 0x3f);
      } else if (c < 0x10000) {
        out[n++] = 0xe0 | (c >> 12);
        out[n++] = 0x80 | ((c >> 6) & 0x3f);
        out[n++] = 0x80 | (c & 0x3f);
      } else {
        out[n++] = 0xf0 | (c >> 18);
        out[n++] = 0x80 | ((c >> 12) & 0x3f);
        out[n++] = 0x80 | ((c >> 6) & 0x3f);
        out[n++] = 0x80 | (c & 0x3f);
      }
    }
    return out.slice(0, n);
  }
}

class Utf8Decoder {
  get encoding() {
    return "utf-8";
  }

  decode(input?: ArrayBuffer | ArrayBufferView): string {
    if (input === undefined) return "";
    const bytes = ArrayBuffer.isView(input) ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : new Uint8Array(input);
    let text = "";
    for (let i = 0; i < bytes.length; ) {
      const b = bytes[i];
      const length = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
      let c = length === 1 ? b : length === 2 ? b & 0x1f : length === 3 ? b & 0x0f : b & 0x07;
      let valid = length > 0 && i + length <= bytes.length;
      for (let k = 1; valid && k < length; k++) {
        const next = bytes[i + k];
        if ((next & 0xc0) !== 0x80) valid = false;
        else c = (c << 6) | (next & 0x3f);
      }
      if (valid && ((length === 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) || (length === 4 && (c < 0x10000 || c > 0x10ffff)))) valid = false;
      if (!valid) {
        text += "\ufffd";
        i++;
        continue;
      }
      text += String.fromCodePoint(c);
      i += length;
    }
    return text;
  }
}

// Frozen, methods included: every process's Compartment is given these same classes (kernel/boot/setup.ts).
for (const c of [Utf8Encoder, Utf8Decoder]) {
  for (const key of Object.getOwnPropertyNames(c.prototype)) {
    const d = Object.getOwnPropertyDescriptor(c.prototype, key) as PropertyDescriptor;
    for (const f of [d.value, d.get, d.set]) if (typeof f === "function") Object.freeze(f);
  }
  Object.freeze(c.prototype);
  Object.freeze(c);
}

const globals = globalThis as Record<string, unknown>;
globals.TextEncoder ??= Utf8Encoder;
globals.TextDecoder ??= Utf8Decoder;
