// Scan the licence's QR code with the camera: the browser's BarcodeDetector where it has one,
// the vendored jsQR (vendor/jsqr-1.4.0, Apache-2.0) otherwise. Resolves with the text, or null
// when the inspector cancels.

let jsqrLoading = null;
function loadJsQR(base) {
  if (globalThis.jsQR) return Promise.resolve(globalThis.jsQR);
  jsqrLoading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = `${base}vendor/jsqr-1.4.0/jsQR.js`;
    script.onload = () => resolve(globalThis.jsQR);
    script.onerror = () => reject(new Error("jsQR failed to load"));
    document.head.append(script);
  });
  return jsqrLoading;
}

async function detector() {
  if (!("BarcodeDetector" in globalThis)) return null;
  try {
    const formats = await globalThis.BarcodeDetector.getSupportedFormats();
    return formats.includes("qr_code") ? new globalThis.BarcodeDetector({ formats: ["qr_code"] }) : null;
  } catch {
    return null;
  }
}

export async function scanQr({ dialog, video, cancel, base }) {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: "environment", width: { ideal: 1280 } },
    audio: false,
  });
  video.srcObject = stream;
  await video.play();
  dialog.showModal();
  const native = await detector();
  const decode = native ? null : await loadJsQR(base);
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  let stopped = false;
  const stop = () => {
    stopped = true;
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
    if (dialog.open) dialog.close();
  };
  return new Promise((resolve) => {
    cancel.onclick = () => {
      stop();
      resolve(null);
    };
    const frame = async () => {
      if (stopped) return;
      let text = null;
      if (video.videoWidth) {
        if (native) {
          const codes = await native.detect(video).catch(() => []);
          text = codes[0]?.rawValue ?? null;
        } else {
          canvas.width = video.videoWidth;
          canvas.height = video.videoHeight;
          context.drawImage(video, 0, 0);
          const image = context.getImageData(0, 0, canvas.width, canvas.height);
          text = decode(image.data, image.width, image.height, { inversionAttempts: "dontInvert" })?.data ?? null;
        }
      }
      if (text) {
        stop();
        resolve(text);
      } else {
        setTimeout(frame, 150);
      }
    };
    frame();
  });
}
