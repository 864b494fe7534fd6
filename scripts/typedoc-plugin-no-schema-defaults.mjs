// Typedoc plugin: drops the "default values" it reads off the zod schema an interface's properties come from.
// `interface Request extends z.infer<typeof RequestSchema> {}` documents `_id` as `= str`, the name of the zod helper
// in the schema's object literal. Properties of interfaces and object types have no default value in TypeScript, so
// any one shown there is such a schema expression.
import { Converter, ReflectionKind } from 'typedoc';

export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    for (const reflection of Object.values(context.project.reflections)) {
      if (!reflection.kindOf(ReflectionKind.Property) || reflection.defaultValue === undefined) continue;
      if (reflection.parent?.kindOf(ReflectionKind.Interface | ReflectionKind.TypeLiteral)) delete reflection.defaultValue;
    }
  });
}
