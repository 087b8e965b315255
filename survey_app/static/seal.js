/* Sealing a child's answers on the tablet, before anything is stored: the browser's half of
   survey_app/sealing.py, format 2, with Web Crypto alone.

   sealed = 0x02 || ephemeral X25519 public key (32) || nonce (12) || AES-256-GCM(ciphertext+tag)
   key    = HKDF-SHA256(X25519(ephemeral, inspection public key),
                        salt = ephemeral public || inspection public,
                        info = "survey-app response seal v2 aes-256-gcm"), 32 bytes
   aad    = the response context: {"inspection":..,"questionnaire":..,"version":..} as compact
            JSON with sorted keys, exactly as sealing.response_context makes it.
   The plaintext is the answers as JSON with sorted keys, padded with spaces to a multiple of
   512 bytes (sealing.answers_plaintext), so a ciphertext's length says little.

   Only the server (with the inspection's passphrase) can open it. tests/vectors/browser-seal.json
   holds vectors that this file and sealing.py must both reproduce byte for byte. */
(function (global) {
  "use strict";

  var FORMAT = 2;
  var PAD_BLOCK = 512;
  var encoder = new TextEncoder();
  var INFO = encoder.encode("survey-app response seal v2 aes-256-gcm");
  var subtle = global.crypto && global.crypto.subtle;

  function concat(parts) {
    var length = parts.reduce(function (sum, part) { return sum + part.length; }, 0);
    var out = new Uint8Array(length);
    var at = 0;
    parts.forEach(function (part) { out.set(part, at); at += part.length; });
    return out;
  }

  function base64url(bytes) {
    var text = "";
    bytes.forEach(function (byte) { text += String.fromCharCode(byte); });
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // JSON with object keys sorted at every level and no spaces: Python's
  // json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).
  function canonicalJSON(value) {
    if (Array.isArray(value)) return "[" + value.map(canonicalJSON).join(",") + "]";
    if (value && typeof value === "object") {
      return "{" + Object.keys(value).sort().map(function (key) {
        return JSON.stringify(key) + ":" + canonicalJSON(value[key]);
      }).join(",") + "}";
    }
    return JSON.stringify(value);
  }

  function responseContext(inspection, questionnaire, version) {
    return encoder.encode(canonicalJSON({
      inspection: inspection, questionnaire: questionnaire, version: version
    }));
  }

  function answersPlaintext(answers) {
    var encoded = encoder.encode(canonicalJSON(answers));
    var padding = (PAD_BLOCK - (encoded.length % PAD_BLOCK)) % PAD_BLOCK;
    var padded = new Uint8Array(encoded.length + padding);
    padded.set(encoded);
    padded.fill(0x20, encoded.length);
    return padded;
  }

  // ``testing`` ({ephemeralPrivate, ephemeralPublic, nonce}, raw bytes) is for the shared test
  // vectors only: a real seal always draws a fresh ephemeral key and nonce.
  function ephemeralKeys(testing) {
    if (!testing) return subtle.generateKey({ name: "X25519" }, true, ["deriveBits"]);
    var jwk = {
      kty: "OKP", crv: "X25519", ext: true,
      d: base64url(testing.ephemeralPrivate), x: base64url(testing.ephemeralPublic)
    };
    return subtle.importKey("jwk", jwk, { name: "X25519" }, false, ["deriveBits"])
      .then(function (privateKey) { return { privateKey: privateKey, testing: testing }; });
  }

  function seal(recipientPublic, plaintext, context, testing) {
    var recipient, ephemeralPublic, nonce;
    return subtle.importKey("raw", recipientPublic, { name: "X25519" }, false, [])
      .then(function (key) {
        recipient = key;
        return ephemeralKeys(testing);
      })
      .then(function (pair) {
        var publicBytes = pair.testing
          ? Promise.resolve(pair.testing.ephemeralPublic)
          : subtle.exportKey("raw", pair.publicKey).then(function (raw) { return new Uint8Array(raw); });
        return publicBytes.then(function (bytes) {
          ephemeralPublic = bytes;
          return subtle.deriveBits({ name: "X25519", public: recipient }, pair.privateKey, 256);
        });
      })
      .then(function (shared) {
        return subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
      })
      .then(function (material) {
        return subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: concat([ephemeralPublic, recipientPublic]), info: INFO },
          material, { name: "AES-GCM", length: 256 }, false, ["encrypt"]
        );
      })
      .then(function (key) {
        nonce = testing ? testing.nonce : global.crypto.getRandomValues(new Uint8Array(12));
        return subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: context }, key, plaintext);
      })
      .then(function (ciphertext) {
        return concat([new Uint8Array([FORMAT]), ephemeralPublic, nonce, new Uint8Array(ciphertext)]);
      });
  }

  function sealAnswers(recipientPublic, answers, inspection, questionnaire, version, testing) {
    return seal(recipientPublic, answersPlaintext(answers),
      responseContext(inspection, questionnaire, version), testing);
  }

  global.SurveySeal = {
    FORMAT: FORMAT,
    available: !!(subtle && global.isSecureContext),
    canonicalJSON: canonicalJSON,
    responseContext: responseContext,
    answersPlaintext: answersPlaintext,
    seal: seal,
    sealAnswers: sealAnswers
  };
})(window);
