// The shape of the generated protobuf wire table (messages.generated.ts).

/** [field number, JSON name ("" when inlined), type (scalar or message), flags, map key type]. */
export type FieldRow = [number, string, string, string] | [number, string, string, string, string];

export interface MessageDef {
  /** Go types that marshal to JSON by hand; the decoder reads their fields by protobuf name. */
  special?: string;
  fields?: FieldRow[];
}

export type MessageTable = Record<string, MessageDef>;
