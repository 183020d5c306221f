"""Award certificates (获奖证书): a design per call, the certificates made from it, the jobs
that make them."""
