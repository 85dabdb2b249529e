/**
 * {@code scorestream replay}: a bounded, deterministic backtest of model versions over a
 * historical feature topic (docs/BACKTESTING.md).
 *
 * <pre>
 *  ReplayCommand (picocli options, checked into ReplayOptions) ─► Replay:
 *    ReplayOptions ─► ModelTopicHistory ─► versions side by side, or AsOfTimeline (what was live when)
 *                 ─► ReplayRange (time range → offsets per partition)
 *                 ─► ReplayModels (the versions, loaded) ─► ReplayPlans (lanes, routing, bounds)
 *    ScoringTopology.build(…, ReplayPlans, ReplayCollector) ─► BoundedRun (Kafka Streams until the
 *                 stop rule holds) ─► --out (SourcePartitioner: output partition = source partition)
 *    ReplayCollector + DeadLetterReader ─► ReplayReport (text to stdout, JSON to --report)
 * </pre>
 *
 * <p>The public face is {@link io.scorestream.app.replay.ReplayCommand}, the picocli command (and
 * its {@link io.scorestream.app.replay.ReplayCommand#run} for callers in-process); the rest is
 * package-private, apart from {@link io.scorestream.app.replay.SourcePartitioner}, which the
 * Kafka producer instantiates by name.
 */
package io.scorestream.app.replay;
