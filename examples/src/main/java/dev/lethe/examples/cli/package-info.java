/**
 * The {@code lethe} command line: {@link dev.lethe.examples.cli.LetheCli} is the root command and each
 * subcommand is one class in this package.
 */
package dev.lethe.examples.cli;
