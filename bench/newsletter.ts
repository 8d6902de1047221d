/** The benchmark's message: a Markdown newsletter personalised with {{name}}, of a chosen size. */

const sections = [
  (n: number) =>
    `## ${n}. What changed this month\n\nWe rebuilt the **delivery pipeline** so that every message is tracked from the moment it is queued until the receiving server answers. If you follow our [release notes](https://example.org/releases/${n}) you already know the broad strokes; here are the details that matter to you, {{name}}.\n\n- Faster imports of large address lists\n- A clearer _attempts_ page with filters by date and status\n- Scheduled mailings that survive restarts without sending twice\n`,
  (n: number) =>
    `## ${n}. From the community\n\n> "We moved forty thousand subscribers over in an afternoon and nobody noticed anything but the new footer."\n\nThank you for the stories you sent in. Three readers asked how we count *opens*; the short answer is that we do not, because a count that depends on images loading is a guess dressed up as a figure. Read [why we measure deliveries instead](https://example.org/notes/${n}).\n`,
  (n: number) =>
    `## ${n}. Events\n\n1. **Workshop**, first Tuesday: writing a newsletter people finish reading.\n2. **Office hours**, every Thursday: bring your questions about lists and consent.\n3. **Meet-up**, last Friday: short talks, long coffee.\n\nSeats are limited; [reserve yours](https://example.org/events/${n}) before the end of the week.\n`,
  (n: number) =>
    `## ${n}. A note on privacy\n\nEvery address on this list asked to be here, and every e-mail carries a one-click way out. We keep the record of each attempt — when, to which server, and what it answered — so that when someone asks "did you mail me?" the answer is a fact, not a hope. Plain text readers get the same words as everyone else, {{name}}.\n`,
];

/** A Markdown newsletter of at least `bytes` bytes with {{name}} in it and an unsubscribe link. */
export function newsletterBody(bytes: number): string {
  const parts = ['# The Herald Monthly\n\nHello {{name}},\n\nhere is what happened since the last issue.\n'];
  const footer = '\n---\n\nYou receive this because you subscribed. [Unsubscribe]({{unsubscribe_url}}).\n';
  let length = parts[0]?.length ?? 0;
  for (let n = 1; length + footer.length < bytes; n++) {
    const section = sections[(n - 1) % sections.length]?.(n) ?? '';
    parts.push(section);
    length += section.length + 1;
  }
  return `${parts.join('\n')}${footer}`;
}
