// A photo from the camera, made ready on the device: resized (long side at most 1600 px, JPEG),
// hashed (SHA-256 of the bytes the server will receive), and a small thumbnail to show.

const LONG_SIDE = 1600;
const THUMB = 240;

async function draw(bitmap, longSide, type, quality) {
  const scale = Math.min(1, longSide / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, type, quality));
}

const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");

export async function preparePhoto(file) {
  const bitmap = await createImageBitmap(file);
  const photo = await draw(bitmap, LONG_SIDE, "image/jpeg", 0.82);
  const small = await draw(bitmap, THUMB, "image/jpeg", 0.7);
  bitmap.close?.();
  const sha256 = hex(await crypto.subtle.digest("SHA-256", await photo.arrayBuffer()));
  const thumb = await new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.readAsDataURL(small);
  });
  return { photo, sha256, thumb, size: photo.size };
}
