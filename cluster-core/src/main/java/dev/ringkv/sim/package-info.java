/**
 * The deterministic simulation runtime (DESIGN §3): {@link dev.ringkv.sim.Simulation} runs node logic
 * unchanged on virtual time with a seeded {@link dev.ringkv.sim.Network}, real stores in temporary
 * directories, crashes, restarts and pauses ({@link dev.ringkv.sim.SimNode}), and simulated client
 * connections ({@link dev.ringkv.sim.SimClient}, {@link dev.ringkv.sim.Outcome}). {@link dev.ringkv.sim.Seeds}
 * runs a test body over many seeds and names the one that failed, so it replays exactly.
 *
 * <p>Everything here runs on the test's thread; there are no threads, clocks or sleeps.
 */
package dev.ringkv.sim;
