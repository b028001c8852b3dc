// The app's strings, from one JSON catalogue (messages.json): Chinese first, English switchable;
// the choice is kept on the device.

let catalogue = { zh: {}, en: {} };
let current = "zh";

export async function loadMessages(url) {
  catalogue = await (await fetch(url)).json();
  current = localStorage.getItem("lianjian.lang") === "en" ? "en" : "zh";
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
}

export const lang = () => current;

export function setLang(next) {
  current = next === "en" ? "en" : "zh";
  localStorage.setItem("lianjian.lang", current);
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
}

export function t(key, values = {}) {
  const text = catalogue[current]?.[key] ?? catalogue.zh?.[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}
