/**
 * The factor store shared by every variant: moving averages of symmetric factors, their cached
 * decompositions with one fallback chain, plain state arrays, precision, memory accounting and
 * serialisation.
 */
package org.kron4j.api.store;
