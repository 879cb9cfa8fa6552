console.log("devserver test page");
