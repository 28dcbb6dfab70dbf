// The playground's tabs (Sample, Encode, Batch, Edit): ARIA tabs whose buttons show their own panel
// and hide the others.

export function wireTabs(root: Document): void {
  const tabs = [...root.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
  for (const tab of tabs) {
    tab.addEventListener("click", () => {
      for (const other of tabs) {
        const selected = other === tab;
        other.setAttribute("aria-selected", String(selected));
        const panel = root.getElementById(other.getAttribute("aria-controls") ?? "");
        if (panel !== null) panel.hidden = !selected;
      }
    });
  }
}
