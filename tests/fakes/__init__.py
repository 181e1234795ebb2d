"""Real local servers standing in for Aliyun SMS, the WeChat API, SMTP and S3 (moto)."""
