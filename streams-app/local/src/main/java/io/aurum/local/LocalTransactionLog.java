package io.aurum.local;

import io.aurum.app.HangingTransactions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.coordinator.transaction.generated.TransactionLogKey;
import org.apache.kafka.coordinator.transaction.generated.TransactionLogValue;

/**
 * How the local broker's transaction coordinator ended each transaction, read from its own log
 * ({@code __transaction_state}) in local mode's data directory. The coordinator's API only describes a producer's
 * latest transaction; a transaction left open on a partition after a crash may be many transactions older.
 *
 * <p>Why local mode needs this: after a SIGKILL of the JVM that runs both the broker and the job, the restarted
 * coordinator can finish aborting a transaction without the abort marker reaching every partition (seen in the
 * 20-kill soak: the log shows Ongoing at epoch 31, then PrepareAbort and CompleteAbort at 32, while three partitions
 * kept epoch 31's transaction open, and restoring their stores waited on them for good). Knowing that the coordinator
 * aborted it, writing that abort marker is exactly what it left undone.
 */
final class LocalTransactionLog implements HangingTransactions.Outcomes {
    private static final short PREPARE_COMMIT = 2;
    private static final short PREPARE_ABORT = 3;
    private static final short COMPLETE_COMMIT = 4;
    private static final short COMPLETE_ABORT = 5;
    private static final short ONGOING = 1;

    /** Per producer id and transaction epoch, whether the coordinator committed (true) or aborted (false) it. */
    private final Map<Long, Map<Integer, Boolean>> outcomes = new HashMap<>();

    private LocalTransactionLog() {}

    /** Reads every segment of {@code __transaction_state} under the broker's log directory. */
    static LocalTransactionLog read(Path kafkaLogDir) {
        LocalTransactionLog log = new LocalTransactionLog();
        try (Stream<Path> dirs = Files.list(kafkaLogDir)) {
            for (Path dir : dirs.filter(d -> d.getFileName().toString().startsWith("__transaction_state-"))
                    .toList()) {
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path segment : files.filter(f -> f.toString().endsWith(".log"))
                            .sorted()
                            .toList()) {
                        log.readSegment(segment);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the transaction log in " + kafkaLogDir, e);
        }
        return log;
    }

    private final Map<Long, Integer> ongoing = new HashMap<>();

    private void readSegment(Path segment) throws IOException {
        try (FileRecords records = FileRecords.open(segment.toFile(), false)) {
            for (RecordBatch batch : records.batches()) {
                for (Record r : batch) {
                    if (!r.hasValue() || !r.hasKey()) {
                        continue;
                    }
                    ByteBuffer key = r.key();
                    short keyVersion = key.getShort();
                    new TransactionLogKey(new ByteBufferAccessor(key), keyVersion);
                    ByteBuffer value = r.value();
                    short valueVersion = value.getShort();
                    TransactionLogValue v = new TransactionLogValue(new ByteBufferAccessor(value), valueVersion);
                    record(v.producerId(), v.producerEpoch(), v.transactionStatus());
                }
            }
        }
    }

    /** The transaction that an end state ends is the one last seen ongoing for the producer (v2 ends it at epoch + 1). */
    private void record(long producerId, int epoch, short status) {
        if (status == ONGOING) {
            ongoing.put(producerId, epoch);
            return;
        }
        boolean commit = status == PREPARE_COMMIT || status == COMPLETE_COMMIT;
        boolean abort = status == PREPARE_ABORT || status == COMPLETE_ABORT;
        Integer open = ongoing.get(producerId);
        if ((commit || abort) && open != null && (epoch == open || epoch == open + 1)) {
            outcomes.computeIfAbsent(producerId, p -> new HashMap<>()).put(open, commit);
        }
    }

    @Override
    public Optional<Boolean> committed(long producerId, int epoch) {
        return Optional.ofNullable(outcomes.getOrDefault(producerId, Map.of()).get(epoch));
    }
}
