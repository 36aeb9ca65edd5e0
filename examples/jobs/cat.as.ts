// A tiny WASI command in AssemblyScript: copies stdin to stdout (`bench tasks` times the
// per-task overhead of the wasm executor with it).
@external("wasi_snapshot_preview1", "fd_read")
declare function fd_read(fd: u32, iovs: usize, iovsLen: u32, nread: usize): u16;
@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: u32, iovs: usize, iovsLen: u32, nwritten: usize): u16;
@external("wasi_snapshot_preview1", "proc_exit")
declare function proc_exit(code: u32): void;

function abort(message: usize, fileName: usize, line: u32, column: u32): void {
  proc_exit(134);
}

export function _start(): void {
  const buf = heap.alloc(65536);
  const iov = heap.alloc(16);
  while (true) {
    store<u32>(iov, buf); store<u32>(iov, 65536, 4);
    if (fd_read(0, iov, 1, iov + 8) != 0) proc_exit(74);
    const n = load<u32>(iov + 8);
    if (n == 0) break;
    store<u32>(iov, n, 4);
    fd_write(1, iov, 1, iov + 8);
  }
}
