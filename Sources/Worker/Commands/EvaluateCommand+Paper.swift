/// What `--protocol paper` says about the study's setting, printed with its numbers.
enum PaperProtocol {
    static let notBundled = "The study's published Table 1 numbers are not bundled with recworker (not verified from the paper here): "
        + "pass --paper-table FILE (CSV: model,precision,recall,ndcg) to print them beside these."

    /// The choices the study does not specify, and what recworker does for each.
    static let unspecified = [
        "Specified by the study and followed: per-user 80/20 split; each user's held-out items ranked by predicted score; graded relevance.",
        "Unspecified, our choice: split seed (--seed, default 42) and rounding (floor(0.2n + 0.5) per user, users with < 5 ratings kept in train).",
        "Unspecified, our choice: NDCG gain = the held-out rating (linear, 1–5), log2(rank + 1) discount, ideal DCG over the same items.",
        "Unspecified, our choice: precision/recall/hit rate count held-out ratings >= 4 as relevant; users without one are skipped; precision divides by K even when fewer than K items are held out.",
        "Unspecified, our choice: K = --k; held-out items unseen in training rank last; ties go to the lower item id.",
        "Unspecified: which 200 users the study's LLM was scored on, and the baselines' hyper-parameters; we score every user, with our validation-chosen hyper-parameters.",
    ]
}
