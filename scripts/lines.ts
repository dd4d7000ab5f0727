/**
 * A child's output as lines. A pipe delivers chunks, not lines: the end of a chunk is kept until
 * its line is complete, so a JSON log line cut in two reaches the reader whole (the bench times
 * runs by such lines).
 */
export function byLine(onLine: (line: string) => void): (chunk: Buffer) => void {
  let rest = "";
  return (chunk) => {
    const parts = (rest + chunk.toString()).split("\n");
    rest = parts.pop() ?? "";
    for (const line of parts) if (line.trim()) onLine(line);
  };
}
