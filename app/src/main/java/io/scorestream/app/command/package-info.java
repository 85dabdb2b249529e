/**
 * What every {@code scorestream} command shares, whichever package it lives in: where it prints,
 * how a wrong command line and a failure are reported, the exit codes, and the checks of option
 * values that picocli's types do not express.
 *
 * <p>The commands ({@code cli}, {@code models}, {@code replay}) depend on this package; it depends
 * on none of them.
 */
package io.scorestream.app.command;
