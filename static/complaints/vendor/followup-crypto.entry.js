// The browser side of the public follow-up form: Argon2id (receipt code -> lookup token and reply
// key), age decryption of replies and encryption of messages, Bech32 for the age identity, SHA-256.
export { Decrypter, Encrypter, identityToRecipient } from "age-encryption";
export { argon2idAsync } from "@noble/hashes/argon2.js";
export { sha256 } from "@noble/hashes/sha2.js";
export { bech32 } from "@scure/base";
