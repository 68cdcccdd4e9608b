// Config files: the machine document in JSON or YAML, with variables, conditionals, loops and
// includes (docs/CONFIG.md). Front ends use this module; the parts live beside it.

export {
  type CommandSink, type ConfigCommand, type ConfigSources, type LoadOptions, type LoadedConfig, type SourcePosition,
  type FeedConfigCommand, applyConfig, configCommands, configDirs, expandConfigFile, findConfig, loadConfig, standardConfigDir,
} from './load.ts';
export { ConfigError, type Pos } from './source.ts';
export { type VariableInput, isVariableWord, parseVariableWords } from './variables.ts';
export { configJsonSchema, configJsonSchemaText } from './json-schema.ts';
