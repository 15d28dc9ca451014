package dev.fheml.client;

/** Some inputs of a bulk run have no prediction: their requests failed after resubmission. */
public final class BulkScoringException extends FheClientException {
    private static final long serialVersionUID = 1L;
    private final transient BulkScorer.Summary summary;

    public BulkScoringException(BulkScorer.Summary summary) {
        super(describe(summary));
        this.summary = summary;
    }

    public BulkScorer.Summary summary() {
        return summary;
    }

    static String describe(BulkScorer.Summary s) {
        int missing = s.failed().stream().mapToInt(BulkScorer.FailedRequest::inputs).sum();
        StringBuilder b = new StringBuilder().append(missing).append(" of ").append(s.total())
                .append(" inputs have no prediction; failed requests:");
        for (BulkScorer.FailedRequest f : s.failed().subList(0, Math.min(5, s.failed().size()))) {
            b.append("\n  ").append(f.requestId()).append(" (inputs ").append(f.firstInput()).append("..")
                    .append(f.lastInput()).append("): ").append(f.cause());
        }
        if (s.failed().size() > 5) {
            b.append("\n  and ").append(s.failed().size() - 5).append(" more");
        }
        return b.toString();
    }
}
