// One ended run as a row of a list (the leaderboard, recent runs): its fields as text
// (never HTML: player names are anyone's) and a *Watch again* button that plays it back.
export function runRow(sessionId, fields, onReplay) {
  const row = document.createElement("li");
  row.className = "run-row";
  row.dataset.sessionId = sessionId;
  for (const [name, text] of Object.entries(fields)) {
    const cell = document.createElement("span");
    cell.dataset.field = name;
    cell.textContent = text;
    row.append(cell);
  }
  const again = document.createElement("button");
  again.type = "button";
  again.className = "replay";
  again.textContent = "Watch again";
  again.addEventListener("click", () => onReplay(sessionId));
  row.append(again);
  return row;
}
