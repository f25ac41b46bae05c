package org.kron4j.cli.checkpoint;

/**
 * A {@link java.util.Random} whose position can be saved and restored: it draws exactly the
 * numbers {@code new java.util.Random(seed)} draws (the same 48-bit linear congruential generator,
 * specified in {@code java.util.Random}'s documentation: x ← (x·0x5DEECE66D + 0xB) mod 2⁴⁸, seeded
 * with (seed ⊕ 0x5DEECE66D) mod 2⁴⁸), so the ablation's batches are the same as before it could be
 * checkpointed, and {@link #state()} / {@link #at(long)} move that position through a checkpoint.
 * Only {@link #next(int)} is replaced; every public method of {@code Random} draws through it.
 * {@code nextGaussian}'s cached second value is not part of the state (the ablation does not use it).
 */
public final class ResumableRandom extends java.util.Random {
    private static final long serialVersionUID = 1L;
    private static final long MULTIPLIER = 0x5DEECE66DL;
    private static final long ADDEND = 0xBL;
    private static final long MASK = (1L << 48) - 1;

    /** The generator's 48-bit state; set by {@link #setSeed}, which Random's constructor calls. */
    private long state;

    /** The generator {@code new java.util.Random(seed)} is. */
    public ResumableRandom(long seed) {
        super(seed);
        setSeed(seed);
    }

    /** A generator at a position {@link #state()} returned. */
    public static ResumableRandom at(long state) {
        ResumableRandom random = new ResumableRandom(0);
        random.setState(state);
        return random;
    }

    /** The position: the 48-bit state of the generator. */
    public synchronized long state() {
        return state;
    }

    private synchronized void setState(long value) {
        if ((value & ~MASK) != 0) {
            throw new IllegalArgumentException("a generator state has 48 bits, got " + Long.toHexString(value));
        }
        state = value;
    }

    @Override
    public synchronized void setSeed(long seed) {
        super.setSeed(seed);
        state = (seed ^ MULTIPLIER) & MASK;
    }

    @Override
    protected synchronized int next(int bits) {
        state = (state * MULTIPLIER + ADDEND) & MASK;
        return (int) (state >>> (48 - bits));
    }
}
