/**
 * The real parts of a scoring setup started in one JVM, for {@code scorestream demo} and
 * {@code scorestream local}: {@link io.scorestream.app.stack.LocalStack} (the KRaft broker and the
 * stack's topics, the schema registry over HTTP, PostgreSQL, a Kafka Connect worker running the
 * JDBC sink from the scores topic into table {@code scores}), the journal that keeps the registry's
 * schemas in a data directory, and {@code scorestream local} itself
 * ({@link io.scorestream.app.stack.LocalCommand}, which prints a {@link io.scorestream.app.stack.StackGuide}).
 *
 * <p>Built from {@code testkit}'s parts; the demo depends on this package, and it on none of the
 * other commands.
 */
package io.scorestream.app.stack;
