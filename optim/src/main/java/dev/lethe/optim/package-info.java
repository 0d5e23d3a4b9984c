/** Lethe optim module (see ../shared/docs/design.md for what it owns). */
package dev.lethe.optim;
