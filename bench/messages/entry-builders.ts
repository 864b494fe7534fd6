// Size entry: what a chatbot author imports (builders; they check messages without zod, see outbound-check.ts).
export { text, image, file, frame, split, wait, buttons, gallery, card } from '../../src/messages/index.js';
