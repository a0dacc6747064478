// The only import point of the core library for other folders.
export * from './result.js';
export * from './addr.js';
export * from './prefix.js';
export * from './diagnostic.js';
export * from './ippool-types.js';
export * from './nat-model.js';
