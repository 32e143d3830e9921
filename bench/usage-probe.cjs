// Preloaded into the measured process (node --require): reports its own wall time and
// peak RSS at exit, so the figures are the whole process's, startup included.
const started = process.hrtime.bigint();
process.on('exit', () => {
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  const usage = process.resourceUsage();
  process.stderr.write(`\nBENCH_USAGE ${JSON.stringify({ wallS, maxRssKb: usage.maxRSS, userS: usage.userCPUTime / 1e6, sysS: usage.systemCPUTime / 1e6 })}\n`);
});
