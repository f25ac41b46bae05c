package org.kron4j.api.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class StateFormatTest {
    private static byte[] sample() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (StateWriter writer = new StateWriter(out)) {
            writer.putString("name", "x").putLong("step", 7).putDouble("rate", 0.25)
                    .putArray("a", Nd4j.createFromArray(new float[][] {{1, 2}, {3, 4}})).putArray("none", null);
        }
        return out.toByteArray();
    }

    @Test
    void roundTrip_v2_everyKind() {
        StateReader reader = StateReader.read(new ByteArrayInputStream(sample()));
        assertThat(reader.version()).isEqualTo(2);
        assertThat(reader.keys()).containsExactly("name", "step", "rate", "a", "none");
        assertThat(reader.getString("name")).isEqualTo("x");
        assertThat(reader.getLong("step")).isEqualTo(7);
        assertThat(reader.getDouble("rate")).isEqualTo(0.25);
        assertThat(reader.array("a", DataType.FLOAT, 2, 2)).isEqualTo(Nd4j.createFromArray(new float[][] {{1, 2},
                {3, 4}}));
        assertThat(reader.array("none")).isNull();
    }

    @Test
    void readsExactlyItsBytes_whatFollowsStaysInTheStream() throws IOException {
        byte[] state = sample();
        byte[] withTail = java.util.Arrays.copyOf(state, state.length + 3);
        withTail[state.length] = 42;
        ByteArrayInputStream in = new ByteArrayInputStream(withTail);
        StateReader.read(in);
        assertThat(in.read()).isEqualTo(42);
    }

    @Test
    void formatV1_stillRead() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(StateFormat.MAGIC);
        out.writeInt(1);
        out.writeUTF("step");
        out.writeByte(StateFormat.LONG);
        out.writeLong(11);
        out.writeUTF("a");
        out.writeByte(StateFormat.ARRAY);
        out.writeByte(1);
        out.writeInt(1);
        out.writeLong(2);
        out.writeDouble(1.5);
        out.writeDouble(-2.5);
        out.writeUTF("");
        out.writeByte(StateFormat.END);
        StateReader reader = StateReader.read(new ByteArrayInputStream(bytes.toByteArray()));
        assertThat(reader.version()).isEqualTo(1);
        assertThat(reader.getLong("step")).isEqualTo(11);
        assertThat(reader.array("a").toDoubleVector()).containsExactly(1.5, -2.5);
    }

    @Test
    void garbage_refused() {
        assertThatThrownBy(() -> StateReader.read(new ByteArrayInputStream("PK\3\4 a zip file".getBytes())))
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessage("not a kron4j state stream (bad magic number at byte 0)");
    }

    @Test
    void atomicWrite_replacesWholeOrNotAtAll(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("state.k4js");
        AtomicFiles.write(file, out -> out.write(sample()));
        assertThat(Files.readAllBytes(file)).isEqualTo(sample());
        assertThatThrownBy(() -> AtomicFiles.write(file, out -> {
            out.write(new byte[100]);
            throw new IOException("disk full");
        })).isInstanceOf(UncheckedIOException.class).hasMessageContaining("left as it was");
        assertThatThrownBy(() -> AtomicFiles.write(file, out -> {
            out.write(new byte[100]);
            throw new IllegalStateException("a bug");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(Files.readAllBytes(file)).isEqualTo(sample());
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
        AtomicFiles.write(dir.resolve("sub/new.k4js"), out -> out.write(1));
        assertThat(Files.readAllBytes(dir.resolve("sub/new.k4js"))).containsExactly(1);
    }
}
