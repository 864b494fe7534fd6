// The benchmark dataset: `conversations` conversations of `perConversation` messages each, generated lazily (the
// same for every contender), alternating a visitor and a bot, with original times. No request ids: the importer
// derives them, the other contenders let the server generate them.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const T0 = Date.parse('2024-05-01T10:00:00Z');

export function conversation(i, perConversation) {
  const messages = [];
  for (let j = 0; j < perConversation; j++) {
    messages.push({
      // The first message has no sender: a conversation created from it (the official client's only way) needs the
      // sender to be a project member, so the importing user is the visitor there, for every contender alike.
      ...(j === 0 ? {} : { sender: j % 2 === 0 ? `visitor-${i}` : 'chatbot1' }),
      senderFullname: j % 2 === 0 ? `Visitor ${i}` : 'Bot',
      text: `Message ${j} of conversation ${i}: how can I restore my password?`,
      timestamp: T0 + i * 60_000 + j * 1_000,
    });
  }
  return { request: { first_text: messages[0].text }, messages };
}

export function* conversations(count, perConversation) {
  for (let i = 0; i < count; i++) yield conversation(i, perConversation);
}

/** Writes the dataset as NDJSON, streaming (a million messages never sit in memory at once). */
export async function writeNdjson(path, count, perConversation) {
  const out = createWriteStream(path);
  for (let i = 0; i < count; i++) {
    if (!out.write(`${JSON.stringify(conversation(i, perConversation))}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
