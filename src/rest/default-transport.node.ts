// Placeholder: replaced by the undici transport (Node). Resolved through the package.json "imports" map.
export {};
