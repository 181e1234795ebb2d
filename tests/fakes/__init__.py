"""Real local servers standing in for Aliyun SMS, the WeChat API and SMTP."""
