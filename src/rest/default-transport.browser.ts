// Placeholder: replaced by the fetch transport (browsers, workers). Resolved through the package.json "imports" map.
export {};
