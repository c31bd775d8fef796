// Landing page: shows the relay URL from the runtime config and whether it answers. The rest of
// the page (what Convonet does, links to the voice assistant, the operator pages and the docs) is
// static HTML.
async function loadConfig() {
  const response = await fetch("/runtime-config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`runtime config: HTTP ${response.status}`);
  return response.json();
}

async function main() {
  const urlEl = document.getElementById("relay-url");
  const statusEl = document.getElementById("relay-status");
  try {
    const config = await loadConfig();
    urlEl.textContent = config.relayUrl;
    const ws = new WebSocket(config.relayUrl);
    const timer = setTimeout(() => ws.close(), 5000);
    ws.onopen = () => {
      clearTimeout(timer);
      statusEl.textContent = "up";
      statusEl.className = "pill ok";
      ws.close();
    };
    ws.onerror = () => {
      statusEl.textContent = "unreachable";
      statusEl.className = "pill down";
    };
  } catch (err) {
    urlEl.textContent = String(err.message || err);
    statusEl.textContent = "no config";
    statusEl.className = "pill down";
  }
}

main();
