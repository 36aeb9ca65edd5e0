// Hostile WASI commands for the sandbox's hostile-code suite (src/runtime/sandbox/test-util), one per
// mode (argv[1]): built from this AssemblyScript source by the tests, never committed as a binary.
import { fd_write, argv1, path_open, fd_prestat_get, sock_send, proc_exit } from "./wasi";

function abort(message: usize, fileName: usize, line: u32, column: u32): void {
  proc_exit(134);
}

function write(fd: u32, s: string): void {
  const b = String.UTF8.encode(s);
  const iov = heap.alloc(16);
  store<u32>(iov, changetype<usize>(b)); store<u32>(iov, b.byteLength, 4);
  fd_write(fd, iov, 1, iov + 8);
}

export function _start(): void {
  const m = argv1();
  if (m == "loop") {
    let x: u32 = 0;
    while (true) x++;
  } else if (m == "grow") {
    // Take memory until the engine says no, then touch it all: the bound stops the task.
    while (memory.grow(16) >= 0) {}
    unreachable();
  } else if (m == "flood") {
    const b = heap.alloc(65536);
    memory.fill(b, 120, 65536);
    const iov = heap.alloc(16);
    while (true) { store<u32>(iov, b); store<u32>(iov, 65536, 4); fd_write(1, iov, 1, iov + 8); }
  } else if (m == "open") {
    // No preopened directory: there is no descriptor to open a path under, and no fd 3.
    const path = String.UTF8.encode("/etc/passwd");
    const opened = heap.alloc(4);
    const e1 = path_open(3, 0, changetype<usize>(path), path.byteLength, 0, 0xffffffff, 0xffffffff, 0, opened);
    const e2 = fd_prestat_get(3, heap.alloc(8));
    write(1, "path_open " + e1.toString() + " fd_prestat_get " + e2.toString() + "\n");
  } else if (m == "sock") {
    sock_send(3, 0, 0, 0, heap.alloc(4));
  } else if (m == "nostdin") {
    write(1, "ok\n");
  } else if (m == "trap") {
    unreachable();
  } else {
    write(2, "unknown mode\n");
    proc_exit(2);
  }
}
