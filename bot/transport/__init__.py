"""How updates come in and calls go out: PTB's plumbing, tuned and made safe.

update_processor  concurrent chats, strict order within a chat
worker_slot       off_worker: a wait elsewhere (bcrypt) gives the worker slot to other chats
offload           CPU-heavy calls (bcrypt) in their own threads, off the worker slot
send_limiter      rate limits and safe retries for every Bot API call
aiohttp_request   PTB request backend on aiohttp: JSON bodies, slimmed replies
log_safety        the token redacted, secret-printing library logs capped
"""
