// A tiny JS task module: copies stdin to stdout (`bench tasks --exec js` times the per-task
// overhead of the js executor with it).
exports.map = async function map(io) {
  for await (const chunk of io.chunks()) await io.write(chunk);
};
