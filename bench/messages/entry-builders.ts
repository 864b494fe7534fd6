// Size entry: what a chatbot author imports (builders, which validate with the outbound schema).
export { text, image, file, frame, split, wait, buttons, gallery, card } from '../../src/messages/index.js';
