/**
 * The C scalar types of the Magenta ABI, as TypeScript names.
 *
 * They are plain aliases, not branded types: code ported line by line from C (and the hidden tests written from the
 * spec) passes literals and arithmetic results freely, exactly as C does with its typedefs.
 */
export type mx_handle_t = number;
export type mx_status_t = number;
export type mx_signals_t = number;
export type mx_rights_t = number;
export type mx_txid_t = number;
/** 64-bit values are bigint on the way out; inputs also take a non-negative safe-integer number. */
export type mx_time_t = bigint;
export type mx_duration_t = bigint;
export type mx_koid_t = bigint;
/** A 64-bit input: bigint, or a number that is a non-negative safe integer. */
export type u64_in = bigint | number;

/** A C out-parameter (`T*`): the call writes `value`. */
export interface Out<T> {
  value: T;
}

/** `mx_wait_item_t` for mx_object_wait_many: `pending` is written by the call. */
export interface mx_wait_item_t {
  handle: mx_handle_t;
  waitfor: mx_signals_t;
  pending: mx_signals_t;
}

/** `mx_channel_call_args_t`. */
export interface mx_channel_call_args_t {
  wr_bytes: Uint8Array | null;
  wr_handles: Uint32Array | number[] | null;
  rd_bytes: Uint8Array | null;
  rd_handles: Uint32Array | number[] | null;
  wr_num_bytes: number;
  wr_num_handles: number;
  rd_num_bytes: number;
  rd_num_handles: number;
}
