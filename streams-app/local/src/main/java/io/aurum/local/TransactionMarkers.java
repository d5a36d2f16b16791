package io.aurum.local;

import io.aurum.app.HangingTransactions;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.TransactionResult;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;

/**
 * Writes a transaction's commit marker on a partition, as its coordinator does: Kafka's WriteTxnMarkers request,
 * sent to local mode's own broker. The Admin API can only abort; a transaction its coordinator committed (by its
 * own log) whose marker never reached a partition needs the commit marker, or the partition's committed data stays
 * invisible behind it for good.
 */
final class TransactionMarkers {
    private TransactionMarkers() {}

    /** Tries the v2 marker (epoch after the transaction's), then the v1 one (its own): the partition refuses the other. */
    static void commit(String host, int port, HangingTransactions.Open open) throws IOException {
        Errors error = write(host, port, open, (short) (open.producerEpoch() + 1), (short) 2);
        if (error == Errors.INVALID_PRODUCER_EPOCH) {
            error = write(host, port, open, (short) open.producerEpoch(), (short) 0);
        }
        if (error != Errors.NONE) {
            throw new IOException("the broker refused the commit marker for " + open + ": " + error);
        }
    }

    private static Errors write(String host, int port, HangingTransactions.Open open, short epoch, short txnVersion)
            throws IOException {
        WriteTxnMarkersRequest.TxnMarkerEntry entry = new WriteTxnMarkersRequest.TxnMarkerEntry(
                open.producerId(),
                epoch,
                open.coordinatorEpoch(),
                TransactionResult.COMMIT,
                List.of(open.partition()),
                txnVersion);
        short version = ApiKeys.WRITE_TXN_MARKERS.latestVersion();
        RequestHeader header = new RequestHeader(ApiKeys.WRITE_TXN_MARKERS, version, "aurum-local", 1);
        ByteBuffer request = new WriteTxnMarkersRequest.Builder(List.of(entry))
                .build(version)
                .serializeWithHeader(header);
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout(30_000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            byte[] bytes = new byte[request.remaining()];
            request.get(bytes);
            out.writeInt(bytes.length);
            out.write(bytes);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] response = new byte[in.readInt()];
            in.readFully(response);
            WriteTxnMarkersResponse parsed =
                    (WriteTxnMarkersResponse) AbstractResponse.parseResponse(ByteBuffer.wrap(response), header);
            return parsed.errorsByProducerId().get(open.producerId()).get(open.partition());
        }
    }
}
