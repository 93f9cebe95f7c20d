// One game socket of the contract (DESIGN.md §4): the token goes first, as
// {"t":"auth"}; every server message is handed on parsed; on close the caller learns
// the close code and the last error code the server sent (TOKEN_EXPIRED, ...).

export function openSocket(wsUrl, token, { message, closed }) {
  const ws = new WebSocket(wsUrl);
  let lastError = null;
  ws.onopen = () => ws.send(JSON.stringify({ t: "auth", token }));
  ws.onmessage = (event) => {
    const data = JSON.parse(event.data);
    if (data.t === "error") lastError = data;
    message(data);
  };
  ws.onclose = (event) => closed(event.code, lastError);
  return ws;
}
